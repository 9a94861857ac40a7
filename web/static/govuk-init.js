// Starts GOV.UK Frontend's components (the header menu, error summaries, password "Show" buttons…).
import { initAll } from "./govuk/govuk-frontend.min.js";

initAll();
