import { Link } from "react-router-dom";
import { api } from "../api/client";
import { AuthForm } from "./AuthForm";

export default function SignUp() {
  return (
    <AuthForm
      title="Create an account"
      submitLabel="Sign up"
      fields={[
        { name: "username", label: "Username", type: "text", autoComplete: "username" },
        { name: "email", label: "Email", type: "email", autoComplete: "email" },
        { name: "password", label: "Password", type: "password", autoComplete: "new-password" },
      ]}
      onSubmit={(v) => api.signUp(v.username ?? "", v.email ?? "", v.password ?? "")}
      footer={
        <p>
          Have an account? <Link to="/signin">Sign in</Link>
        </p>
      }
    />
  );
}
