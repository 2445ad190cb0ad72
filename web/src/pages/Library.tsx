// Library: my tracks, my playlists (create), likes and listening history.
import { useState, type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api } from "../api/client";
import type { Page, Playlist, Track } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { ErrorText } from "../components/ErrorText";
import { PlaylistLinks } from "../components/PlaylistLinks";
import { Section } from "../components/Section";
import { TrackList } from "../components/TrackList";

type Listed = { items: { track: Track }[] };

function NewPlaylist() {
  const [error, setError] = useState<unknown>(null);
  const queryClient = useQueryClient();
  async function create(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = event.currentTarget;
    try {
      setError(null);
      await api.post("/playlists", { title: String(new FormData(form).get("title")) });
      form.reset();
      await queryClient.invalidateQueries({ queryKey: ["playlists"] });
    } catch (caught) {
      setError(caught);
    }
  }
  return (
    <form onSubmit={create} className="inline">
      <label>
        New playlist <input name="title" required maxLength={200} />
      </label>
      <button type="submit">Create</button>
      <ErrorText error={error} />
    </form>
  );
}

export default function Library() {
  const { me } = useAuth();
  if (!me) return null;
  return (
    <div>
      <h1>Library</h1>
      <Section title="My tracks" queryKey={["my-tracks"]} load={() => api.get<Page<Track>>(`/tracks?owner=${me.id}&limit=100`)}>
        {(page) => <TrackList label="My tracks" tracks={page.items} />}
      </Section>
      <Section title="Playlists" queryKey={["playlists", "mine"]} load={() => api.get<Page<Playlist>>(`/playlists?owner=${me.id}&limit=100`)}>
        {(page) => (
          <>
            <NewPlaylist />
            <PlaylistLinks playlists={page.items} />
          </>
        )}
      </Section>
      <Section title="Likes" queryKey={["likes"]} load={() => api.get<Listed>(`/users/${me.username}/likes/tracks?limit=100`)}>
        {(page) => <TrackList label="Liked tracks" tracks={page.items.map((item) => item.track)} />}
      </Section>
      <Section title="History" queryKey={["recent"]} load={() => api.get<Listed>("/me/recently-played?limit=50")}>
        {(page) => <TrackList label="History" tracks={page.items.map((item) => item.track)} />}
      </Section>
    </div>
  );
}
