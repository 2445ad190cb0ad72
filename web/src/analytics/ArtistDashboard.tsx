// The signed-in artist's dashboard: their tracks' audience over 7, 30 or 90 days.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router-dom";
import { api } from "../api/client";
import { useAuth } from "../auth/AuthContext";
import { ErrorText } from "../components/ErrorText";
import { PeriodPicker } from "./PeriodPicker";
import { PlaysPanel } from "./PlaysPanel";
import { periodQuery, type Days } from "./period";
import type { ArtistAnalytics } from "./types";

export default function ArtistDashboard() {
  const { me } = useAuth();
  const [days, setDays] = useState<Days>(30);
  const username = me?.username ?? "";
  const stats = useQuery({
    queryKey: ["analytics", "artist", username, days],
    queryFn: () =>
      api.get<ArtistAnalytics>(`/analytics/artists/${encodeURIComponent(username)}?${periodQuery(days)}`),
    enabled: username !== "",
  });
  return (
    <div>
      <h1>Dashboard</h1>
      <p>Your tracks' listeners (your own listens are not counted).</p>
      <PeriodPicker days={days} onChange={setDays} />
      {stats.isPending && <p role="status">Loading…</p>}
      <ErrorText error={stats.error} />
      {stats.data && (
        <>
          <PlaysPanel totals={stats.data.totals} series={stats.data.series} />
          <section aria-label="Top tracks">
            <h2>Top tracks</h2>
            {stats.data.top_tracks.length === 0 && <p className="empty">No plays in this period.</p>}
            <ol>
              {stats.data.top_tracks.map((track) => (
                <li key={track.track_id}>
                  <Link to={`/tracks/${track.track_id}`}>{track.title}</Link> · {track.plays} plays
                </li>
              ))}
            </ol>
          </section>
        </>
      )}
    </div>
  );
}
