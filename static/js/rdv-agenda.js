// The agenda's print button: shown only when scripts run, prints the page with the print CSS.
document.querySelectorAll("[data-rdv-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
