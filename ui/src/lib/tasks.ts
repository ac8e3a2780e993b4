// Background tasks: a long command gets an id and a channel for its progress, made here before it starts, so the
// screen can show each step and cancel it at once.
import { Channel, invoke } from "@tauri-apps/api/core";
import type { TaskProgress } from "../bindings/TaskProgress";

export type TaskArgs = { taskId: string; onProgress: Channel<TaskProgress> };

export function newTask(onProgress: (progress: TaskProgress) => void): TaskArgs {
  const channel = new Channel<TaskProgress>();
  channel.onmessage = onProgress;
  return { taskId: crypto.randomUUID(), onProgress: channel };
}

/// False when the task had already finished.
export const cancelTask = (taskId: string) => invoke<boolean>("cancel_task", { taskId });
