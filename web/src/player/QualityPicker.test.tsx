import { afterEach, describe, expect, it } from "vitest";
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import type { EngineState, PlayerEngine } from "./engine";
import { QualityPicker, qualityLabel } from "./QualityPicker";

const base: EngineState = {
  track: null,
  playback: null,
  playing: true,
  time: 0,
  duration: 10,
  source: "hls",
  levels: [
    { index: 0, label: "64 kb/s" },
    { index: 1, label: "128 kb/s" },
    { index: 2, label: "256 kb/s" },
  ],
  level: 1,
  autoLevel: true,
  error: null,
};

afterEach(cleanup);

describe("QualityPicker", () => {
  it("labels automatic, pinned and fallback playback", () => {
    expect(qualityLabel(base)).toBe("Auto · 128 kb/s");
    expect(qualityLabel({ ...base, autoLevel: false, level: 2 })).toBe("256 kb/s");
    expect(qualityLabel({ ...base, source: "progressive", levels: [] })).toBe("Progressive");
  });

  it("pins a level and hands the choice back to automatic", () => {
    const chosen: number[] = [];
    const engine = { setLevel: (level: number) => chosen.push(level) } as unknown as PlayerEngine;
    render(<QualityPicker engine={engine} state={base} />);
    expect(screen.getByTestId("quality").textContent).toBe("Auto · 128 kb/s");
    const select = screen.getByLabelText("Quality");
    fireEvent.change(select, { target: { value: "0" } });
    fireEvent.change(select, { target: { value: "-1" } });
    expect(chosen).toEqual([0, -1]);
  });

  it("offers no picker without hls.js levels", () => {
    render(<QualityPicker engine={{} as PlayerEngine} state={{ ...base, source: "native-hls", levels: [] }} />);
    expect(screen.queryByLabelText("Quality")).toBeNull();
    expect(screen.getByTestId("quality").textContent).toBe("HLS (native)");
  });
});
