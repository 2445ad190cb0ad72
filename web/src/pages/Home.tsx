// Home: the feed of followed artists, trending, recently played and "for you".
import { Link } from "react-router-dom";
import { api } from "../api/client";
import type { FeedItem, Page, Track } from "../api/types";
import { Section } from "../components/Section";
import { TrackList } from "../components/TrackList";

type Listed = { items: { track: Track }[] };

export default function Home() {
  return (
    <div className="home">
      <h1>Home</h1>
      <Section title="From artists you follow" queryKey={["feed"]} load={() => api.get<Page<FeedItem>>("/feed?limit=20")}>
        {(page) => (
          <>
            <TrackList label="Feed tracks" tracks={page.items.flatMap((item) => (item.track ? [item.track] : []))} />
            <ul className="playlists">
              {page.items.flatMap((item) =>
                item.playlist?.id ? [<li key={item.playlist.id}><Link to={`/playlists/${item.playlist.id}`}>{item.playlist.title}</Link></li>] : [],
              )}
            </ul>
          </>
        )}
      </Section>
      <Section title="Trending" queryKey={["trending"]} load={() => api.get<Page<Track>>("/tracks?sort=most_played&limit=10")}>
        {(page) => <TrackList label="Trending tracks" tracks={page.items} />}
      </Section>
      <Section title="Recently played" queryKey={["recent"]} load={() => api.get<Listed>("/me/recently-played?limit=10")}>
        {(page) => <TrackList label="Recently played tracks" tracks={page.items.map((item) => item.track)} />}
      </Section>
      <Section title="For you" queryKey={["for-you"]} load={() => api.get<Listed>("/me/for-you?limit=10")}>
        {(page) => <TrackList label="Recommended tracks" tracks={page.items.map((item) => item.track)} />}
      </Section>
    </div>
  );
}
