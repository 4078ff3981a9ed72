// The "Print" button of report pages (a file, not inline script, so the page needs no script-src exception).
document.getElementById("print-page")?.addEventListener("click", () => window.print());
