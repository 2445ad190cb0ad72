// The room's open reports, for its moderators.
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import type { Message } from "./types";

interface Report {
  id: string;
  reason: string;
  message: Message | null;
}

export function ReportsQueue({ roomId }: { roomId: string }) {
  const key = ["reports", roomId];
  const queryClient = useQueryClient();
  const reports = useQuery({ queryKey: key, queryFn: () => api.get<Report[]>(`/rooms/${roomId}/reports`), refetchInterval: 30_000 });
  if (!reports.data?.length) return null;
  return (
    <details className="reports">
      <summary>Reports ({reports.data.length})</summary>
      <ul>
        {reports.data.map((report) => (
          <li key={report.id}>
            {report.message ? `${report.message.author.username}: ${report.message.body}` : "(message gone)"} — {report.reason}
            <button
              type="button"
              onClick={() => void api.post(`/rooms/${roomId}/reports/${report.id}/resolve`).then(() => queryClient.invalidateQueries({ queryKey: key }))}
            >
              Resolve
            </button>
          </li>
        ))}
      </ul>
    </details>
  );
}
