// Plays one track at a time in an <audio> element: HLS (hls.js or native), else progressive;
// loudness normalised by the track's gain through Web Audio.
import type Hls from "hls.js";
import { api } from "../api/client";
import type { Playback, Track } from "../api/types";

export type SourceKind = "hls" | "native-hls" | "progressive";

export interface QualityLevel {
  index: number;
  label: string;
}

export interface EngineState {
  track: Track | null;
  playback: Playback | null;
  playing: boolean;
  time: number;
  duration: number;
  source: SourceKind | null;
  levels: QualityLevel[];
  /** The level playing now (-1 unknown). */
  level: number;
  /** True when hls.js picks the level itself. */
  autoLevel: boolean;
  error: string | null;
}

const PROGRESSIVE_ORDER: [string, string][] = [
  ["aac", "audio/mp4"],
  ["opus", 'audio/ogg; codecs="opus"'],
  ["mp3", "audio/mpeg"],
];

export function kbps(bitrate: number): string {
  return `${Math.round(bitrate / 1000)} kb/s`;
}

export function gainFactor(gainDb: number | null): number {
  return gainDb === null ? 1 : 10 ** (gainDb / 20);
}

export class PlayerEngine {
  readonly audio: HTMLAudioElement;
  private hls: Hls | null = null;
  private context: AudioContext | null = null;
  private gain: GainNode | null = null;
  private listeners = new Set<(state: EngineState) => void>();
  private listened = 0;
  private lastTime = 0;
  private loadId = 0;
  private cache = new Map<string, Promise<Playback>>();
  state: EngineState = {
    track: null,
    playback: null,
    playing: false,
    time: 0,
    duration: 0,
    source: null,
    levels: [],
    level: -1,
    autoLevel: true,
    error: null,
  };
  onEnded: () => void = () => undefined;

  constructor(audio: HTMLAudioElement) {
    this.audio = audio;
    audio.preload = "auto";
    audio.addEventListener("timeupdate", () => this.tick());
    audio.addEventListener("play", () => this.set({ playing: true }));
    audio.addEventListener("pause", () => this.set({ playing: false }));
    audio.addEventListener("durationchange", () => this.set({ duration: finite(audio.duration) }));
    audio.addEventListener("ended", () => {
      this.report(true);
      this.onEnded();
    });
  }

  subscribe(listener: (state: EngineState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(patch: Partial<EngineState>): void {
    this.state = { ...this.state, ...patch };
    this.listeners.forEach((listener) => listener(this.state));
  }

  private tick(): void {
    const time = this.audio.currentTime;
    const delta = time - this.lastTime;
    if (delta > 0 && delta < 1.5) this.listened += delta;
    this.lastTime = time;
    this.set({ time });
  }

  /** Signed URLs for a track, fetched once (also used to preload the next track). */
  playbackFor(trackId: string): Promise<Playback> {
    let found = this.cache.get(trackId);
    if (!found) {
      found = api.get<Playback>(`/tracks/${trackId}/stream`);
      found.catch(() => this.cache.delete(trackId));
      this.cache.set(trackId, found);
    }
    return found;
  }

  async load(track: Track | null): Promise<void> {
    if (track?.id === this.state.track?.id) return;
    this.report(false);
    const id = ++this.loadId;
    this.teardown();
    this.set({ track, playback: null, time: 0, duration: track?.duration ?? 0, levels: [], level: -1, error: null });
    if (!track) return;
    try {
      const playback = await this.playbackFor(track.id);
      if (id !== this.loadId) return;
      this.set({ playback, duration: playback.duration });
      this.applyGain(playback.gain_db);
      await this.attach(playback);
      await this.play();
    } catch (error) {
      if (id === this.loadId) this.set({ error: error instanceof Error ? error.message : String(error) });
    }
  }

  private async attach(playback: Playback): Promise<void> {
    const { default: HlsClass } = await import("hls.js/light");
    if (HlsClass.isSupported()) {
      const hls = new HlsClass({ enableWorker: true });
      this.hls = hls;
      hls.on(HlsClass.Events.MANIFEST_PARSED, (_event, data) => {
        this.set({
          source: "hls",
          levels: data.levels.map((level, index) => ({ index, label: kbps(level.bitrate) })),
        });
      });
      hls.on(HlsClass.Events.LEVEL_SWITCHED, (_event, data) => this.set({ level: data.level }));
      hls.on(HlsClass.Events.ERROR, (_event, data) => {
        if (data.fatal) this.fallBack(playback);
      });
      hls.loadSource(playback.hls);
      hls.attachMedia(this.audio);
      return;
    }
    if (this.audio.canPlayType("application/vnd.apple.mpegurl")) {
      this.audio.src = playback.hls;
      this.set({ source: "native-hls" });
      return;
    }
    this.fallBack(playback);
  }

  /** Progressive file in the first format the browser plays. */
  private fallBack(playback: Playback): void {
    const at = this.audio.currentTime;
    this.teardown();
    const pick = PROGRESSIVE_ORDER.find(([format, type]) => playback.progressive[format] && this.audio.canPlayType(type));
    const url = pick ? playback.progressive[pick[0]] : Object.values(playback.progressive)[0];
    if (!url) {
      this.set({ error: "no playable format for this browser" });
      return;
    }
    this.audio.src = url;
    this.audio.currentTime = at;
    this.set({ source: "progressive", levels: [], level: -1 });
    void this.play();
  }

  private teardown(): void {
    this.hls?.destroy();
    this.hls = null;
    this.audio.removeAttribute("src");
    this.audio.load();
    this.listened = 0;
    this.lastTime = 0;
  }

  /** -1 hands the choice back to hls.js. */
  setLevel(level: number): void {
    if (!this.hls) return;
    this.hls.currentLevel = level;
    this.set({ autoLevel: level === -1 });
  }

  private applyGain(gainDb: number | null): void {
    if (this.gain) this.gain.gain.value = gainFactor(gainDb);
  }

  /** Web Audio needs a user gesture, so the graph is built on the first play. */
  private ensureGraph(): void {
    if (this.context || typeof AudioContext === "undefined") return;
    this.context = new AudioContext();
    const source = this.context.createMediaElementSource(this.audio);
    this.gain = this.context.createGain();
    source.connect(this.gain).connect(this.context.destination);
    this.applyGain(this.state.playback?.gain_db ?? null);
  }

  async play(): Promise<void> {
    this.ensureGraph();
    if (this.context?.state === "suspended") await this.context.resume();
    await this.audio.play().catch(() => undefined);
  }

  pause(): void {
    this.audio.pause();
  }

  toggle(): void {
    if (this.audio.paused) void this.play();
    else this.pause();
  }

  seek(seconds: number): void {
    this.audio.currentTime = Math.max(0, Math.min(seconds, this.state.duration || seconds));
    this.lastTime = this.audio.currentTime;
  }

  restart(): void {
    this.report(true);
    this.seek(0);
    void this.play();
  }

  /** One play report per listening session, as the plays API asks. */
  private report(completed: boolean): void {
    const track = this.state.track;
    const listened = Math.round(this.listened * 10) / 10;
    this.listened = 0;
    if (!track || listened < 1) return;
    const position = Math.min(this.audio.currentTime || 0, track.duration ?? Infinity);
    void api
      .post(`/tracks/${track.id}/plays`, { position, listened_seconds: listened, completed })
      .catch(() => undefined);
  }
}

function finite(value: number): number {
  return Number.isFinite(value) ? value : 0;
}
