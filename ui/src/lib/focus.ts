// Moving the cursor where the agent has to look: a refused form puts it in the first field it
// refused, so the field's message (tied to it by aria-describedby) is read out by a screen
// reader and typing can go on at once.
import { tick } from "svelte";

/** After the messages are drawn, focuses the first refused field of `form`. */
export async function focusRefused(form: EventTarget | null) {
  await tick();
  if (form instanceof HTMLElement) form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
}
