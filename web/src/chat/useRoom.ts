// Keeps one room in step with the server: subscribe, history pages, live events, catch-up.
import { useCallback, useEffect, useReducer, useRef, useState } from "react";
import { socket } from "../api/socket";
import { emptyRoom, roomReducer } from "./reducer";
import type { HistoryAck, SubscribeAck } from "./types";

const PAGE = 50;

export function useRoom(roomId: string, me: string) {
  const [state, dispatch] = useReducer(roomReducer, emptyRoom);
  const [info, setInfo] = useState<SubscribeAck["room"] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const stateRef = useRef(state);
  stateRef.current = state;
  const loadingOlder = useRef(false);

  const loadOlder = useCallback(async () => {
    if (loadingOlder.current || !stateRef.current.hasMore) return;
    loadingOlder.current = true;
    try {
      const first = stateRef.current.messages[0]?.seq;
      const page = await socket.request<HistoryAck>("history", {
        room: roomId,
        limit: PAGE,
        ...(first !== undefined ? { before_seq: first } : {}),
      });
      dispatch({ type: "history", messages: page.messages, hasMore: page.has_more });
    } catch (caught) {
      setError(caught);
    } finally {
      loadingOlder.current = false;
    }
  }, [roomId]);

  useEffect(() => {
    let live = true;
    const subscribe = async (sinceSeq?: number) => {
      const ack = await socket.request<SubscribeAck>("subscribe", {
        room: roomId,
        ...(sinceSeq ? { since_seq: sinceSeq } : {}),
      });
      if (!live) return;
      setInfo(ack.room);
      if (ack.truncated) {
        dispatch({ type: "reset" });
        await loadOlder();
      }
      dispatch({ type: "replay", messages: ack.messages, presence: ack.presence });
    };
    subscribe()
      .then(() => loadOlder())
      .catch(setError);
    const offEvents = socket.on((event) => {
      if (event.room === roomId) dispatch({ type: "event", event, me, now: Date.now() });
    });
    // After a reconnect, ask only for what was missed since the last contiguous seq.
    const offReconnect = socket.onReconnect(() => {
      subscribe(stateRef.current.through || undefined).catch(setError);
    });
    const timer = setInterval(() => dispatch({ type: "expire", now: Date.now() }), 1000);
    return () => {
      live = false;
      offEvents();
      offReconnect();
      clearInterval(timer);
      void socket.request("unsubscribe", { room: roomId }).catch(() => undefined);
    };
  }, [roomId, me, loadOlder]);

  const last = state.messages[state.messages.length - 1]?.seq;
  useEffect(() => {
    if (last !== undefined) void socket.request("read", { room: roomId, seq: last }).catch(() => undefined);
  }, [roomId, last]);

  return { state, dispatch, info, error, setError, loadOlder };
}
