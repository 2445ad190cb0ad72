// Global keys: space plays/pauses, arrows seek (±5 s) or change track (Shift), Ctrl+K searches.
import { useEffect } from "react";
import type { PlayerEngine } from "./engine";
import type { QueueAction } from "./queue";

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT", "BUTTON"].includes(target.tagName);
}

export function useShortcuts(engine: PlayerEngine | null, dispatch: (a: QueueAction) => void, openSearch: () => void): void {
  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
        event.preventDefault();
        openSearch();
        return;
      }
      if (!engine || typing(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (event.key === " ") engine.toggle();
      else if (event.key === "ArrowRight" && event.shiftKey) dispatch({ type: "next" });
      else if (event.key === "ArrowLeft" && event.shiftKey) dispatch({ type: "previous" });
      else if (event.key === "ArrowRight") engine.seek(engine.audio.currentTime + 5);
      else if (event.key === "ArrowLeft") engine.seek(engine.audio.currentTime - 5);
      else if (event.key === "ArrowUp") engine.audio.volume = Math.min(1, engine.audio.volume + 0.1);
      else if (event.key === "ArrowDown") engine.audio.volume = Math.max(0, engine.audio.volume - 0.1);
      else return;
      event.preventDefault();
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [engine, dispatch, openSearch]);
}
