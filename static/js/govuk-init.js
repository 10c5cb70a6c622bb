// Starts every GOV.UK Frontend component on the page. A module, like govuk-frontend itself;
// the path is relative to this file, so it holds wherever STATIC_URL points.
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();
