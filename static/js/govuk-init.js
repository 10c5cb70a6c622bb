// Starts every GOV.UK Frontend component on the page. The library's (hashed) address comes
// from the template's {% static %} on this script's data-govuk-frontend attribute.
const script = document.querySelector("script[data-govuk-frontend]");

import(script.dataset.govukFrontend).then(function (govuk) {
  govuk.initAll();
});
