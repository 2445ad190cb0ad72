import { ErrorText } from "./ErrorText";

export function ActionResult({ error, done }: { error: unknown; done: string | null }) {
  return (
    <>
      <ErrorText error={error} />
      {done && <span role="status">{done}</span>}
    </>
  );
}
