// The owner edits title, artist, album, genre and visibility.
import { useState, type FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { Track } from "../../api/types";
import { ErrorText } from "../../components/ErrorText";

const FIELDS = ["title", "artist", "album", "genre"] as const;

export function MetadataForm({ track }: { track: Track }) {
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const queryClient = useQueryClient();

  async function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    const patch: Record<string, string | null> = {};
    for (const field of FIELDS) patch[field] = String(data.get(field) ?? "").trim() || null;
    patch.visibility = String(data.get("visibility"));
    try {
      setError(null);
      const updated = await api.patch<Track>(`/tracks/${track.id}`, patch);
      queryClient.setQueryData(["track", track.id], updated);
      setSaved(true);
    } catch (caught) {
      setError(caught);
    }
  }

  return (
    <details>
      <summary>Edit details</summary>
      <form onSubmit={save} className="metadata" onChange={() => setSaved(false)}>
        {FIELDS.map((field) => (
          <label key={field}>
            {field[0]!.toUpperCase() + field.slice(1)}
            <input name={field} defaultValue={track[field] ?? ""} required={field === "title"} />
          </label>
        ))}
        <label>
          Visibility
          <select name="visibility" defaultValue={track.visibility}>
            <option value="public">Public</option>
            <option value="unlisted">Unlisted</option>
            <option value="private">Private</option>
          </select>
        </label>
        <ErrorText error={error} />
        <button type="submit">Save</button>
        {saved && <span role="status">Saved</span>}
      </form>
    </details>
  );
}
