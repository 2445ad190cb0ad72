import { Link } from "react-router-dom";
import { api } from "../api/client";
import { AuthForm } from "./AuthForm";

export default function SignIn() {
  return (
    <AuthForm
      title="Sign in"
      submitLabel="Sign in"
      fields={[
        { name: "login", label: "Username or email", type: "text", autoComplete: "username" },
        { name: "password", label: "Password", type: "password", autoComplete: "current-password" },
      ]}
      onSubmit={(v) => api.signIn(v.login ?? "", v.password ?? "")}
      footer={
        <p>
          New here? <Link to="/signup">Create an account</Link>
        </p>
      }
    />
  );
}
