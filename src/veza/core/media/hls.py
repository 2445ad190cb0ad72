"""HLS packaging: AAC remuxed (not re-encoded) into fMP4 segments, and the master playlist."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

SEGMENT_SECONDS = 4
AAC_LC = "mp4a.40.2"
# Segments shorter than this (the tail) carry mostly container overhead; they would
# overstate the peak bit rate, so BANDWIDTH is taken over the others.
_PEAK_MIN_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Variant:
    uri: str  # relative to the master playlist
    bandwidth: int  # peak segment bit rate, bits/s
    average_bandwidth: int
    codecs: str = AAC_LC


def segment(aac_file: Path, directory: Path) -> Path:
    """Cut `aac_file` into `directory/index.m3u8` + `init.mp4` + `seg_NNN.m4s` (VOD playlist)."""
    directory.mkdir(parents=True, exist_ok=True)
    playlist = directory / "index.m3u8"
    options = {
        "hls_time": str(SEGMENT_SECONDS),
        "hls_playlist_type": "vod",
        "hls_segment_type": "fmp4",
        "hls_fmp4_init_filename": "init.mp4",
        "hls_segment_filename": str(directory / "seg_%03d.m4s"),
        "hls_flags": "independent_segments",
    }
    with (
        av.open(str(aac_file)) as source,
        av.open(str(playlist), "w", format="hls", options=options) as target,
    ):
        audio = source.streams.audio[0]
        stream = target.add_stream_from_template(audio)
        for packet in source.demux(audio):
            if packet.dts is None:  # the demuxer's end-of-stream marker
                continue
            packet.stream = stream
            target.mux(packet)
    return playlist


def read_segments(playlist: Path) -> list[tuple[float, str]]:
    """(duration, uri) of each segment of a media playlist we wrote."""
    segments = []
    duration: float | None = None
    for line in playlist.read_text().splitlines():
        if line.startswith("#EXTINF:"):
            duration = float(line[len("#EXTINF:") :].split(",")[0])
        elif line and not line.startswith("#") and duration is not None:
            segments.append((duration, line))
            duration = None
    return segments


def measure(playlist: Path, uri: str) -> Variant:
    """BANDWIDTH and AVERAGE-BANDWIDTH of a media playlist, from its segments' sizes."""
    segments = read_segments(playlist)
    sizes = [(seconds, (playlist.parent / name).stat().st_size) for seconds, name in segments]
    total_seconds = sum(seconds for seconds, _ in sizes) or 1.0
    average = sum(size for _, size in sizes) * 8 / total_seconds
    full = [(s, size) for s, size in sizes if s >= _PEAK_MIN_SECONDS] or sizes
    peak = max((size * 8 / s for s, size in full if s > 0), default=average)
    return Variant(uri=uri, bandwidth=round(peak), average_bandwidth=round(average))


def write_master(path: Path, variants: list[Variant]) -> None:
    """The master playlist, lowest bit rate first; URIs relative so they inherit the token."""
    lines = ["#EXTM3U", "#EXT-X-VERSION:7", "#EXT-X-INDEPENDENT-SEGMENTS"]
    for variant in sorted(variants, key=lambda v: v.bandwidth):
        lines.append(
            f"#EXT-X-STREAM-INF:BANDWIDTH={variant.bandwidth},"
            f'AVERAGE-BANDWIDTH={variant.average_bandwidth},CODECS="{variant.codecs}"'
        )
        lines.append(variant.uri)
    path.write_text("\n".join(lines) + "\n")
