// roomkeeper console: copy buttons, the page's only script. Each button names the field it
// copies (data-copy="<id>"); without JavaScript the buttons stay hidden and the links can be
// selected and copied by hand.
"use strict";

document.querySelectorAll("button[data-copy]").forEach((button) => {
  const field = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.copy + "-status");
  if (!field) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", async () => {
    const text = field.value !== undefined ? field.value : field.textContent;
    let copied = false;
    try {
      await navigator.clipboard.writeText(text);
      copied = true;
    } catch {
      field.select && field.select();
    }
    if (status) {
      status.textContent = copied ? "Copied." : "Selected: press Ctrl+C or ⌘C to copy.";
      setTimeout(() => { status.textContent = ""; }, 4000);
    }
  });
});
