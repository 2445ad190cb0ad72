// Settings: profile and avatar, password, sessions, notifications, data export.
import { useAuth } from "../../auth/AuthContext";
import { ExportSettings } from "./ExportSettings";
import { NotificationSettings } from "./NotificationSettings";
import { PasswordSettings } from "./PasswordSettings";
import { ProfileSettings } from "./ProfileSettings";
import { SessionsSettings } from "./SessionsSettings";

export default function SettingsPage() {
  const { me } = useAuth();
  if (!me) return null;
  return (
    <div className="settings">
      <h1>Settings</h1>
      <ProfileSettings me={me} />
      <PasswordSettings />
      <SessionsSettings />
      <NotificationSettings />
      <ExportSettings username={me.username} />
    </div>
  );
}
