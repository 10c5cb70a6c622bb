// Runs first thing in <body>, before anything is drawn: GOV.UK Frontend's components style
// themselves for JavaScript only when the body says so (a static file, for the CSP).
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
