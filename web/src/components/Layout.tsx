// The frame of every signed-in page: navigation, the page, the player, the search palette.
import { Suspense, lazy, useCallback, useState } from "react";
import { NavLink, Outlet, useNavigate } from "react-router-dom";
import { api } from "../api/client";
import { useAuth } from "../auth/AuthContext";
import { PlayerBar } from "../player/PlayerBar";
import { usePlayer } from "../player/PlayerContext";
import { useShortcuts } from "../player/useShortcuts";

const SearchPalette = lazy(() => import("../search/SearchPalette"));

export function Layout() {
  const { me } = useAuth();
  const { engine, dispatch } = usePlayer();
  const [searching, setSearching] = useState(false);
  const navigate = useNavigate();
  const openSearch = useCallback(() => setSearching(true), []);
  useShortcuts(engine, dispatch, openSearch);

  return (
    <div className="app">
      <a className="skip" href="#main">Skip to content</a>
      <header>
        <nav aria-label="Main">
          <NavLink to="/" end className="brand">Veza</NavLink>
          <NavLink to="/upload">Upload</NavLink>
          <NavLink to="/library">Library</NavLink>
          <NavLink to="/dashboard">Dashboard</NavLink>
          <NavLink to="/chat">Chat</NavLink>
          {me && <NavLink to={`/u/${me.username}`}>Profile</NavLink>}
          <NavLink to="/settings">Settings</NavLink>
          {me?.role === "admin" && <NavLink to="/admin">Admin</NavLink>}
          <button type="button" onClick={openSearch} aria-keyshortcuts="Control+K">
            Search <kbd>Ctrl K</kbd>
          </button>
        </nav>
        {me && (
          <button
            type="button"
            onClick={() => void api.signOut().then(() => navigate("/signin"))}
          >
            Sign out {me.username}
          </button>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<p role="status">Loading…</p>}>
          <Outlet />
        </Suspense>
      </main>
      <PlayerBar />
      {searching && (
        <Suspense fallback={null}>
          <SearchPalette onClose={() => setSearching(false)} />
        </Suspense>
      )}
    </div>
  );
}
