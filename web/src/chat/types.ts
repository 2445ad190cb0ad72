// Chat frames as the /ws protocol sends them (docs/chat-protocol.md).
export interface Person {
  id: string;
  username: string;
}

export interface Message {
  id: string;
  room: string;
  seq: number;
  author: Person;
  body: string;
  reply_to: string | null;
  created_at: string;
  edited_at: string | null;
  deleted: boolean;
  reactions: Record<string, number>;
}

export interface SubscribeAck {
  room: { id: string; name: string; kind: string; topic: string | null; last_seq: number; role: string | null; last_read_seq: number | null };
  messages: Message[];
  truncated: boolean;
  presence: Record<string, string>;
}

/** The `history` verb's ack (the REST route calls the list `items`). */
export interface HistoryAck {
  messages: Message[];
  has_more: boolean;
}
