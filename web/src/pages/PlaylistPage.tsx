// A playlist: its tracks in order, play all, reorder by drag and drop (or keyboard), remove.
import { useState } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "react-router-dom";
import { api } from "../api/client";
import type { Page, Playlist, PlaylistItem } from "../api/types";
import { ErrorText } from "../components/ErrorText";
import { usePlayer } from "../player/PlayerContext";
import { moved } from "./reorder";

export default function PlaylistPage() {
  const { id = "" } = useParams();
  const { playTracks } = usePlayer();
  const queryClient = useQueryClient();
  const [dragging, setDragging] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const playlist = useQuery({ queryKey: ["playlist", id], queryFn: () => api.get<Playlist>(`/playlists/${id}`) });
  const itemsKey = ["playlist-items", id];
  const items = useQuery({ queryKey: itemsKey, queryFn: () => api.get<Page<PlaylistItem>>(`/playlists/${id}/items?limit=100`) });
  const list = items.data?.items ?? [];

  async function move(from: number, to: number) {
    const item = list[from];
    if (!item || from === to || to < 0 || to >= list.length) return;
    queryClient.setQueryData(itemsKey, { ...items.data, items: moved(list, from, to) });
    try {
      setError(null);
      await api.patch(`/playlists/${id}/items/${item.id}`, { position: to });
    } catch (caught) {
      setError(caught);
    }
    await queryClient.invalidateQueries({ queryKey: itemsKey });
  }

  async function remove(item: PlaylistItem) {
    try {
      await api.del(`/playlists/${id}/items/${item.id}`);
    } catch (caught) {
      setError(caught);
    }
    await queryClient.invalidateQueries({ queryKey: itemsKey });
  }

  return (
    <div>
      <ErrorText error={playlist.error ?? items.error ?? error} />
      <h1>{playlist.data?.title}</h1>
      <p>{playlist.data?.description}</p>
      <button type="button" disabled={!list.length} onClick={() => playTracks(list.map((i) => i.track), 0)}>
        ▶ Play all
      </button>
      <ol className="tracks sortable" aria-label="Playlist tracks">
        {list.map((item, index) => (
          <li
            key={item.id}
            draggable
            onDragStart={() => setDragging(index)}
            onDragOver={(event) => event.preventDefault()}
            onDrop={() => {
              if (dragging !== null) void move(dragging, index);
              setDragging(null);
            }}
          >
            <span className="handle" aria-hidden>⠿</span>
            <Link to={`/tracks/${item.track.id}`}>{item.track.title}</Link>
            <button type="button" aria-label={`Move ${item.track.title} up`} onClick={() => void move(index, index - 1)}>↑</button>
            <button type="button" aria-label={`Move ${item.track.title} down`} onClick={() => void move(index, index + 1)}>↓</button>
            <button type="button" aria-label={`Remove ${item.track.title}`} onClick={() => void remove(item)}>✕</button>
          </li>
        ))}
      </ol>
    </div>
  );
}
