import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api } from "../../api/client";
import type { TrackSocial } from "../../api/types";
import { ErrorText } from "../../components/ErrorText";

export function LikeButton({ trackId }: { trackId: string }) {
  const key = ["track-social", trackId];
  const queryClient = useQueryClient();
  const social = useQuery({ queryKey: key, queryFn: () => api.get<TrackSocial>(`/tracks/${trackId}/social`) });
  const toggle = useMutation({
    mutationFn: (like: boolean) =>
      like ? api.put<TrackSocial>(`/tracks/${trackId}/like`) : api.del<TrackSocial>(`/tracks/${trackId}/like`),
    onSuccess: (answer) => {
      queryClient.setQueryData(key, answer);
      void queryClient.invalidateQueries({ queryKey: ["likes"] });
    },
  });
  const liked = social.data?.liked ?? false;
  return (
    <>
      <button type="button" aria-pressed={liked} disabled={!social.data || toggle.isPending} onClick={() => toggle.mutate(!liked)}>
        {liked ? "♥ Liked" : "♡ Like"} <span data-testid="likes">{social.data?.likes ?? 0}</span>
      </button>
      <ErrorText error={toggle.error} />
    </>
  );
}
