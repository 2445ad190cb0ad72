// An artist's page: who they are, follow, their tracks, playlists and followers.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link, useParams } from "react-router-dom";
import { api } from "../api/client";
import type { Page, Playlist, ProfileSocial, Track, User } from "../api/types";
import { useAuth } from "../auth/AuthContext";
import { ErrorText } from "../components/ErrorText";
import { PlaylistLinks } from "../components/PlaylistLinks";
import { Section } from "../components/Section";
import { TrackList } from "../components/TrackList";

export default function Profile() {
  const { username = "" } = useParams();
  const { me } = useAuth();
  const queryClient = useQueryClient();
  const user = useQuery({ queryKey: ["user", username], queryFn: () => api.get<User>(`/users/${username}`) });
  const socialKey = ["user-social", username];
  const social = useQuery({ queryKey: socialKey, queryFn: () => api.get<ProfileSocial>(`/users/${username}/social`) });
  const follow = useMutation({
    mutationFn: (on: boolean) => (on ? api.put(`/users/${username}/follow`) : api.del(`/users/${username}/follow`)),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: socialKey }),
  });
  if (user.error) return <ErrorText error={user.error} />;
  if (!user.data) return <p role="status">Loading…</p>;
  const u = user.data;
  const followed = social.data?.followed ?? false;

  return (
    <div className="profile">
      <header>
        {u.avatar_url && <img src={u.avatar_url} alt="" width={96} height={96} className="avatar" />}
        <div>
          <h1>{u.display_name ?? u.username}</h1>
          <p>@{u.username}</p>
          <p>{u.bio}</p>
          {social.data && (
            <p>
              {social.data.followers} followers · {social.data.following} following · {social.data.playlists} playlists
            </p>
          )}
          {me && me.username !== u.username && (
            <button type="button" aria-pressed={followed} disabled={follow.isPending} onClick={() => follow.mutate(!followed)}>
              {followed ? "Following" : "Follow"}
            </button>
          )}
          <ErrorText error={follow.error} />
        </div>
      </header>
      <Section title="Tracks" queryKey={["user-tracks", u.id]} load={() => api.get<Page<Track>>(`/tracks?owner=${u.id}&limit=50`)}>
        {(page) => <TrackList label={`Tracks by ${u.username}`} tracks={page.items} />}
      </Section>
      <Section title="Playlists" queryKey={["playlists", u.id]} load={() => api.get<Page<Playlist>>(`/playlists?owner=${u.id}&limit=50`)}>
        {(page) => <PlaylistLinks playlists={page.items} />}
      </Section>
      <Section
        title="Followers"
        queryKey={["followers", username]}
        load={() => api.get<Page<{ user: User }>>(`/users/${username}/followers?limit=50`)}
      >
        {(page) => (
          <ul>
            {page.items.map(({ user: follower }) => (
              <li key={follower.id}>
                <Link to={`/u/${follower.username}`}>{follower.username}</Link>
              </li>
            ))}
          </ul>
        )}
      </Section>
    </div>
  );
}
