// Routes: every page but sign in/up is loaded on demand, so the first load stays small.
import { Suspense, lazy } from "react";
import { Route, Routes } from "react-router-dom";
import { RequireAuth } from "./auth/RequireAuth";
import { Layout } from "./components/Layout";

const SignIn = lazy(() => import("./pages/SignIn"));
const SignUp = lazy(() => import("./pages/SignUp"));
const Home = lazy(() => import("./pages/Home"));
const Upload = lazy(() => import("./pages/upload/UploadPage"));
const TrackPage = lazy(() => import("./pages/track/TrackPage"));
const Library = lazy(() => import("./pages/Library"));
const Profile = lazy(() => import("./pages/Profile"));
const Chat = lazy(() => import("./chat/ChatPage"));
const PlaylistPage = lazy(() => import("./pages/PlaylistPage"));
const Settings = lazy(() => import("./pages/settings/SettingsPage"));
const Admin = lazy(() => import("./pages/admin/AdminPage"));
const landing = () => import("./pages/signin/Landing");
const mailRequest = () => import("./pages/signin/MailRequest");
const MagicLanding = lazy(() => landing().then((m) => ({ default: m.MagicLanding })));
const OAuthComplete = lazy(() => landing().then((m) => ({ default: m.OAuthComplete })));
const VerifyEmail = lazy(() => landing().then((m) => ({ default: m.VerifyEmail })));
const ResetPassword = lazy(() => landing().then((m) => ({ default: m.ResetPassword })));
const MagicLinkRequest = lazy(() => mailRequest().then((m) => ({ default: m.MagicLinkRequest })));
const ForgotPassword = lazy(() => mailRequest().then((m) => ({ default: m.ForgotPassword })));
const Dashboard = lazy(() => import("./analytics/ArtistDashboard"));
const PlatformStats = lazy(() => import("./analytics/PlatformStats"));

export function App() {
  return (
    <Suspense fallback={<p role="status">Loading…</p>}>
      <Routes>
        <Route path="/signin" element={<SignIn />} />
        <Route path="/signup" element={<SignUp />} />
        <Route path="/magic-link" element={<MagicLinkRequest />} />
        <Route path="/forgot-password" element={<ForgotPassword />} />
        <Route path="/magic" element={<MagicLanding />} />
        <Route path="/oauth/complete" element={<OAuthComplete />} />
        <Route path="/verify-email" element={<VerifyEmail />} />
        <Route path="/reset-password" element={<ResetPassword />} />
        <Route
          element={
            <RequireAuth>
              <Layout />
            </RequireAuth>
          }
        >
          <Route index element={<Home />} />
          <Route path="upload" element={<Upload />} />
          <Route path="tracks/:id" element={<TrackPage />} />
          <Route path="library" element={<Library />} />
          <Route path="playlists/:id" element={<PlaylistPage />} />
          <Route path="u/:username" element={<Profile />} />
          <Route path="chat" element={<Chat />} />
          <Route path="chat/:roomId" element={<Chat />} />
          <Route path="settings" element={<Settings />} />
          <Route path="settings/sign-in" element={<Settings />} />
          <Route path="admin" element={<Admin />} />
          <Route path="dashboard" element={<Dashboard />} />
          <Route path="admin/stats" element={<PlatformStats />} />
          <Route path="*" element={<p>Page not found.</p>} />
        </Route>
      </Routes>
    </Suspense>
  );
}
