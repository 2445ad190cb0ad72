// Routes that need an account send visitors to sign in, then back.
import type { ReactNode } from "react";
import { Navigate, useLocation } from "react-router-dom";
import { useAuth } from "./AuthContext";

export function RequireAuth({ children }: { children: ReactNode }) {
  const { me, loading } = useAuth();
  const location = useLocation();
  if (loading) return <p role="status">Loading…</p>;
  if (!me) return <Navigate to="/signin" state={{ from: location.pathname }} replace />;
  return <>{children}</>;
}
