//! Entry point: mounts the app into #root.
import { createRoot } from "react-dom/client";
import { App } from "@/app/App";
import { createQueryClient } from "@/app/query";
import { createAppRouter } from "@/router";
import "./index.css";

const root = document.getElementById("root");
if (!root) throw new Error("index.html lacks #root");
createRoot(root).render(<App queryClient={createQueryClient()} router={createAppRouter()} />);
