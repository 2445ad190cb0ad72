// The track's peaks drawn on a canvas; click or arrow keys to seek; optional timed markers.
import { useEffect, useRef, type KeyboardEvent, type MouseEvent } from "react";
import { useQuery } from "@tanstack/react-query";
import type { Waveform as Peaks } from "../api/types";

interface Props {
  url: string | null;
  duration: number;
  time: number;
  onSeek: (seconds: number) => void;
  markers?: { at: number; label: string }[];
  height?: number;
}

export function Waveform({ url, duration, time, onSeek, markers = [], height = 48 }: Props) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const { data } = useQuery({
    queryKey: ["waveform", url],
    queryFn: async () => (await (await fetch(url!)).json()) as Peaks,
    enabled: url !== null,
    staleTime: Infinity,
  });

  useEffect(() => {
    const element = canvas.current;
    const context = element?.getContext("2d");
    if (!element || !context) return;
    const width = (element.width = element.clientWidth * devicePixelRatio);
    const h = (element.height = height * devicePixelRatio);
    context.clearRect(0, 0, width, h);
    const peaks = data?.peaks ?? [];
    const buckets = peaks.length / 2;
    if (!buckets) return;
    const style = getComputedStyle(element);
    const played = duration ? time / duration : 0;
    for (let x = 0; x < width; x++) {
      const b = Math.floor((x / width) * buckets) * 2;
      const min = peaks[b] ?? 0;
      const max = peaks[b + 1] ?? 0;
      context.fillStyle = x / width <= played ? style.getPropertyValue("--accent") : style.getPropertyValue("--muted");
      const top = h / 2 - (max / 127) * (h / 2);
      const bottom = h / 2 - (min / 127) * (h / 2);
      context.fillRect(x, top, 1, Math.max(1, bottom - top));
    }
  }, [data, time, duration, height]);

  function click(event: MouseEvent<HTMLCanvasElement>) {
    const box = event.currentTarget.getBoundingClientRect();
    onSeek(((event.clientX - box.left) / box.width) * duration);
  }

  function key(event: KeyboardEvent<HTMLCanvasElement>) {
    if (event.key === "ArrowRight") onSeek(time + 5);
    else if (event.key === "ArrowLeft") onSeek(time - 5);
    else return;
    event.preventDefault();
    event.stopPropagation();
  }

  return (
    <div className="waveform">
      <canvas
        ref={canvas}
        style={{ height }}
        role="slider"
        tabIndex={0}
        aria-label="Seek"
        aria-valuemin={0}
        aria-valuemax={Math.round(duration)}
        aria-valuenow={Math.round(time)}
        aria-valuetext={`${clock(time)} of ${clock(duration)}`}
        onClick={click}
        onKeyDown={key}
      />
      {markers.map((marker, i) => (
        <span
          key={i}
          className="marker"
          title={marker.label}
          style={{ left: `${duration ? (marker.at / duration) * 100 : 0}%` }}
        />
      ))}
    </div>
  );
}

export function clock(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}
