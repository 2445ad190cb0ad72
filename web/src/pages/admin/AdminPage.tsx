// Administration: users (role, suspend, reinstate) and the audit log.
import { AuditLog } from "./AuditLog";
import { UsersAdmin } from "./UsersAdmin";

export default function AdminPage() {
  return (
    <div>
      <h1>Administration</h1>
      <UsersAdmin />
      <AuditLog />
    </div>
  );
}
