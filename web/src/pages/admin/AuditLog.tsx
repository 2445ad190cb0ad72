import { useInfiniteQuery } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { Page } from "../../api/types";
import { ErrorText } from "../../components/ErrorText";

interface AuditEvent {
  id: string;
  at: string;
  event: string;
  actor: string | null;
  target: string | null;
  ip: string | null;
}

export function AuditLog() {
  const log = useInfiniteQuery({
    queryKey: ["audit"],
    queryFn: ({ pageParam }) => api.get<Page<AuditEvent>>(`/admin/audit?limit=50${pageParam ? `&cursor=${encodeURIComponent(pageParam)}` : ""}`),
    initialPageParam: "",
    getNextPageParam: (page) => page.next_cursor ?? undefined,
  });
  return (
    <section aria-label="Audit log">
      <h2>Audit log</h2>
      <ErrorText error={log.error} />
      <table>
        <thead>
          <tr><th>When</th><th>Event</th><th>Actor</th><th>Target</th><th>IP</th></tr>
        </thead>
        <tbody>
          {log.data?.pages.flatMap((page) => page.items).map((event) => (
            <tr key={event.id}>
              <td>{new Date(event.at).toLocaleString()}</td>
              <td>{event.event}</td>
              <td>{event.actor ?? "—"}</td>
              <td>{event.target ?? "—"}</td>
              <td>{event.ip ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {log.hasNextPage && (
        <button type="button" disabled={log.isFetchingNextPage} onClick={() => void log.fetchNextPage()}>
          Older events
        </button>
      )}
    </section>
  );
}
