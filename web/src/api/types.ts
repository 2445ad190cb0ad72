// Shapes of the REST answers the app reads (see /api/openapi.json for every field).

export type Role = "user" | "moderator" | "admin";
export type Visibility = "public" | "unlisted" | "private";

export interface User {
  id: string;
  username: string;
  display_name: string | null;
  bio: string | null;
  avatar_url: string | null;
  role: Role;
  created_at: string;
}

export interface Me extends User {
  email: string;
  email_verified: boolean;
  status: string;
}

/** With 2FA on, a first factor answers this instead of tokens; the code goes to /auth/login/mfa. */
export interface MfaRequired {
  mfa_required: true;
  mfa_token: string;
  expires_in: number;
}

export type SignInAnswer = TokenAnswer | MfaRequired;

export interface TokenAnswer {
  user: Me;
  access_token: string;
  refresh_token: string;
  expires_in: number;
}

export interface Track {
  id: string;
  owner_id: string;
  title: string;
  artist: string | null;
  album: string | null;
  genre: string | null;
  year: number | null;
  visibility: Visibility;
  status: "uploaded" | "processing" | "ready" | "failed";
  progress: number;
  failure_reason: string | null;
  duration: number | null;
  gain_db: number | null;
  has_cover: boolean;
  play_count: number;
  listener_count: number;
  listening_seconds: number;
  tags: string[];
  created_at: string;
}

export interface Playback {
  hls: string;
  progressive: Record<string, string>;
  waveform: string;
  covers: Record<string, string>;
  gain_db: number | null;
  duration: number;
}

export interface Waveform {
  duration: number;
  buckets: number;
  peaks: number[];
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface Playlist {
  id: string | null;
  kind: "playlist" | "liked";
  owner_id: string;
  title: string;
  description: string | null;
  visibility: Visibility;
  track_count: number;
  duration: number;
  likes: number;
  liked: boolean;
}

export interface PlaylistItem {
  id: string;
  position: number;
  track: Track;
}

export interface TrackSocial {
  likes: number;
  comments: number;
  liked: boolean;
}

export interface ProfileSocial {
  followers: number;
  following: number;
  liked_tracks: number;
  playlists: number;
  followed: boolean;
}

export interface Comment {
  id: string;
  author: { id: string; username: string };
  position_ms: number | null;
  body: string;
  replies: number;
  created_at: string;
}

export interface FeedItem {
  kind: "track" | "playlist";
  created_at: string;
  track: Track | null;
  playlist: Playlist | null;
}

export interface SearchHit {
  type: "track" | "user" | "room";
  id: string;
  title: string;
  subtitle: string;
}

export interface Room {
  id: string;
  kind: "public" | "private" | "dm";
  name: string;
  topic: string | null;
  last_seq: number;
  member_count: number | null;
  role: "owner" | "moderator" | "member" | null;
  unread: number | null;
}

export interface Provider {
  name: string;
  label: string;
  start_url: string;
}
