import { Link } from "react-router-dom";
import type { Playlist } from "../api/types";

export function PlaylistLinks({ playlists }: { playlists: Playlist[] }) {
  if (!playlists.length) return <p className="empty">No playlists yet.</p>;
  return (
    <ul className="playlists" aria-label="Playlists">
      {playlists.map((playlist) => (
        <li key={playlist.id}>
          <Link to={`/playlists/${playlist.id}`}>{playlist.title}</Link> <small>{playlist.track_count} tracks</small>
        </li>
      ))}
    </ul>
  );
}
