// A titled block that loads its data with TanStack Query and shows loading and errors.
import type { ReactNode } from "react";
import { useQuery, type QueryKey } from "@tanstack/react-query";
import { ErrorText } from "./ErrorText";

interface Props<T> {
  title: string;
  queryKey: QueryKey;
  load: () => Promise<T>;
  children: (data: T) => ReactNode;
}

export function Section<T>({ title, queryKey, load, children }: Props<T>) {
  const query = useQuery({ queryKey, queryFn: load });
  return (
    <section aria-label={title}>
      <h2>{title}</h2>
      {query.isPending && <p role="status">Loading…</p>}
      <ErrorText error={query.error} />
      {query.data !== undefined && children(query.data)}
    </section>
  );
}
