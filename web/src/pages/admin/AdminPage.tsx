// Administration: users (role, suspend, reinstate) and the audit log; platform stats on their own page.
import { Link } from "react-router-dom";
import { AuditLog } from "./AuditLog";
import { UsersAdmin } from "./UsersAdmin";

export default function AdminPage() {
  return (
    <div>
      <h1>Administration</h1>
      <p><Link to="/admin/stats">Platform statistics</Link></p>
      <UsersAdmin />
      <AuditLog />
    </div>
  );
}
