import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { Me, Page, Role } from "../../api/types";
import { ActionResult } from "../../components/ActionResult";
import { useAction } from "../../components/useAction";

export function UsersAdmin() {
  const [q, setQ] = useState("");
  const queryClient = useQueryClient();
  const users = useQuery({ queryKey: ["admin-users", q], queryFn: () => api.get<Page<Me>>(`/admin/users?limit=50&q=${encodeURIComponent(q)}`) });
  const action = useAction();

  function act(work: () => Promise<unknown>, note: string) {
    void action.run(work, note).then(() => queryClient.invalidateQueries({ queryKey: ["admin-users"] }));
  }

  return (
    <section aria-label="Users">
      <h2>Users</h2>
      <label>
        Username starts with <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
      </label>
      <table>
        <thead>
          <tr><th>User</th><th>Email</th><th>Role</th><th>Status</th><th /></tr>
        </thead>
        <tbody>
          {users.data?.items.map((user) => (
            <tr key={user.id}>
              <td>{user.username}</td>
              <td>{user.email}</td>
              <td>
                <select
                  aria-label={`Role of ${user.username}`}
                  value={user.role}
                  onChange={(e) => act(() => api.put(`/admin/users/${user.username}/role`, { role: e.target.value as Role }), `${user.username} is now ${e.target.value}`)}
                >
                  <option value="user">user</option>
                  <option value="moderator">moderator</option>
                  <option value="admin">admin</option>
                </select>
              </td>
              <td>{user.status}</td>
              <td>
                {user.status === "suspended" ? (
                  <button type="button" onClick={() => act(() => api.post(`/admin/users/${user.username}/reinstate`), `${user.username} reinstated`)}>Reinstate</button>
                ) : (
                  <button
                    type="button"
                    onClick={() => {
                      const reason = prompt(`Why suspend ${user.username}?`);
                      if (reason) act(() => api.post(`/admin/users/${user.username}/suspend`, { reason }), `${user.username} suspended`);
                    }}
                  >
                    Suspend
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <ActionResult error={action.error ?? users.error} done={action.done} />
    </section>
  );
}
