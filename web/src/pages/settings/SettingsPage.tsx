// Settings: profile and avatar, password, 2FA, linked accounts, tokens, sessions, notifications, data export.
import { useAuth } from "../../auth/AuthContext";
import { ExportSettings } from "./ExportSettings";
import { LinkedAccounts } from "./LinkedAccounts";
import { NotificationSettings } from "./NotificationSettings";
import { PasswordSettings } from "./PasswordSettings";
import { ProfileSettings } from "./ProfileSettings";
import { SessionsSettings } from "./SessionsSettings";
import { TokenSettings } from "./TokenSettings";
import { TwoFactorSettings } from "./TwoFactorSettings";

export default function SettingsPage() {
  const { me } = useAuth();
  if (!me) return null;
  return (
    <div className="settings">
      <h1>Settings</h1>
      <ProfileSettings me={me} />
      <PasswordSettings />
      <TwoFactorSettings />
      <LinkedAccounts />
      <TokenSettings />
      <SessionsSettings />
      <NotificationSettings />
      <ExportSettings username={me.username} />
    </div>
  );
}
