// Chat: the room list beside the open room.
import { useParams } from "react-router-dom";
import { RoomList } from "./RoomList";
import { RoomView } from "./RoomView";

export default function ChatPage() {
  const { roomId } = useParams();
  return (
    <div className="chat">
      <RoomList active={roomId ?? null} />
      {roomId ? <RoomView key={roomId} roomId={roomId} /> : <p className="empty">Pick a room, or start one.</p>}
    </div>
  );
}
