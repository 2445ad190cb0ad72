// Display name, bio and avatar.
import type { FormEvent } from "react";
import { useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { Me } from "../../api/types";
import { ActionResult } from "../../components/ActionResult";
import { useAction } from "../../components/useAction";

export function ProfileSettings({ me }: { me: Me }) {
  const profile = useAction();
  const avatar = useAction();
  const queryClient = useQueryClient();

  function save(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = new FormData(event.currentTarget);
    void profile.run(
      () => api.patch("/users/me", { display_name: String(data.get("display_name")).trim() || null, bio: String(data.get("bio")) }),
      "Profile saved",
    ).then(() => queryClient.invalidateQueries({ queryKey: ["user", me.username] }));
  }

  function upload(file: File | undefined) {
    if (!file) return;
    const form = new FormData();
    form.append("file", file);
    void avatar.run(() => api.put("/users/me/avatar", form), "Avatar updated");
  }

  return (
    <section aria-label="Profile">
      <h2>Profile</h2>
      <form onSubmit={save} className="metadata">
        <label>
          Display name <input name="display_name" defaultValue={me.display_name ?? ""} maxLength={64} />
        </label>
        <label>
          Bio <textarea name="bio" defaultValue={me.bio ?? ""} maxLength={1000} rows={3} />
        </label>
        <button type="submit" disabled={profile.busy}>Save profile</button>
        <ActionResult error={profile.error} done={profile.done} />
      </form>
      <label>
        Avatar (JPEG, PNG, WebP or GIF, up to 2 MB)
        <input type="file" accept="image/*" onChange={(event) => upload(event.target.files?.[0])} />
      </label>
      <button type="button" onClick={() => void avatar.run(() => api.del("/users/me/avatar"), "Avatar removed")}>
        Remove avatar
      </button>
      <ActionResult error={avatar.error} done={avatar.done} />
    </section>
  );
}
