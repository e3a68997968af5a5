/** The self-contained HTML report of run and sweep folders (`hrnn report`). */
export { renderReportHtml, type ReportOptions } from './renderReport';
export { loadReportSnapshot, ReportError } from './reportData';
