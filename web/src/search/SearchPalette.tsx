// Ctrl+K palette: type-ahead across tracks, artists and rooms; arrows pick, Enter opens.
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import { useNavigate } from "react-router-dom";
import { api } from "../api/client";
import type { SearchHit } from "../api/types";
import { ErrorText } from "../components/ErrorText";

const KIND_LABEL = { track: "Track", user: "Artist", room: "Room" } as const;

export function hitPath(hit: SearchHit): string {
  if (hit.type === "track") return `/tracks/${hit.id}`;
  if (hit.type === "user") return `/u/${hit.subtitle}`;
  return `/chat/${hit.id}`;
}

function useDebounced(value: string, ms: number): string {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export default function SearchPalette({ onClose }: { onClose: () => void }) {
  const [text, setText] = useState("");
  const [active, setActive] = useState(0);
  const q = useDebounced(text.trim(), 150);
  const input = useRef<HTMLInputElement>(null);
  const navigate = useNavigate();
  const results = useQuery({
    queryKey: ["search", q],
    queryFn: () => api.get<{ items: SearchHit[] }>(`/search?limit=10&q=${encodeURIComponent(q)}`),
    enabled: q.length > 0,
  });
  const hits = results.data?.items ?? [];

  useEffect(() => input.current?.focus(), []);

  function open(hit: SearchHit | undefined) {
    if (!hit) return;
    navigate(hitPath(hit));
    onClose();
  }

  function key(event: KeyboardEvent) {
    if (event.key === "Escape") onClose();
    else if (event.key === "ArrowDown") setActive((i) => Math.min(i + 1, hits.length - 1));
    else if (event.key === "ArrowUp") setActive((i) => Math.max(i - 1, 0));
    else if (event.key === "Enter") open(hits[active]);
    else return;
    event.preventDefault();
  }

  return (
    <div className="overlay" onClick={onClose}>
      <div role="dialog" aria-modal="true" aria-label="Search" className="palette" onClick={(e) => e.stopPropagation()} onKeyDown={key}>
        <input
          ref={input}
          type="search"
          aria-label="Search tracks, artists and rooms"
          placeholder="Search tracks, artists, rooms…"
          value={text}
          role="combobox"
          aria-expanded={hits.length > 0}
          aria-controls="search-results"
          aria-activedescendant={hits[active] ? `hit-${active}` : undefined}
          onChange={(event) => {
            setText(event.target.value);
            setActive(0);
          }}
        />
        <ErrorText error={results.error} />
        <ul id="search-results" role="listbox">
          {hits.map((hit, i) => (
            <li key={`${hit.type}-${hit.id}`} id={`hit-${i}`} role="option" aria-selected={i === active} onClick={() => open(hit)}>
              <span className="kind">{KIND_LABEL[hit.type]}</span> {hit.title} <small>{hit.subtitle}</small>
            </li>
          ))}
          {q && results.isSuccess && hits.length === 0 && <li role="status">No results</li>}
        </ul>
      </div>
    </div>
  );
}
