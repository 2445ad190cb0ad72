// Add the track to one of the playlists you may edit, or to a new one.
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { Page, Playlist } from "../../api/types";
import { ErrorText } from "../../components/ErrorText";

export function AddToPlaylist({ trackId }: { trackId: string }) {
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const queryClient = useQueryClient();
  const playlists = useQuery({
    queryKey: ["playlists", "editable"],
    queryFn: () => api.get<Page<Playlist>>("/playlists?editable=true&limit=100"),
    enabled: open,
  });

  async function add(playlist: Playlist) {
    try {
      setError(null);
      await api.post(`/playlists/${playlist.id}/items`, { track_ids: [trackId] });
      setDone(playlist.title);
      void queryClient.invalidateQueries({ queryKey: ["playlist-items", playlist.id] });
    } catch (caught) {
      setError(caught);
    }
  }

  async function create() {
    const title = prompt("Name of the new playlist");
    if (!title) return;
    try {
      const playlist = await api.post<Playlist>("/playlists", { title });
      await queryClient.invalidateQueries({ queryKey: ["playlists"] });
      await add(playlist);
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <div className="add-to-playlist">
      <button type="button" aria-expanded={open} onClick={() => setOpen(!open)}>
        Add to playlist
      </button>
      {open && (
        <ul aria-label="Your playlists">
          {playlists.data?.items.map((playlist) => (
            <li key={playlist.id}>
              <button type="button" onClick={() => void add(playlist)}>
                {playlist.title}
              </button>
            </li>
          ))}
          <li>
            <button type="button" onClick={() => void create()}>
              New playlist…
            </button>
          </li>
        </ul>
      )}
      {done && <span role="status">Added to {done}</span>}
      <ErrorText error={error} />
    </div>
  );
}
