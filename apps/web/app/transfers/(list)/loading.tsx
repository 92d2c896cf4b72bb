// Between pages: shown while the list renders on the server. Only on list pages: a detail page
// under a loading boundary would stream, and could not answer 404 for an unknown id.
export { PageLoading as default } from "../../_components/page-loading";
