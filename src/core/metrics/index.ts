/** The metrics module's front door: the moderation judge and the task graders. */
export {
  JUDGES,
  getJudge,
  harmfulEvidence,
  isRefusal,
  judgeHarmful,
  keywordModerationJudge,
  REFUSAL_PHRASES,
  type HarmfulEvidence,
  type Judge,
} from './judge';
export {
  finalNumber,
  firstAnswerWord,
  gradeArithmetic,
  gradeExample,
  gradeInstruction,
  gradeLabelWord,
} from './grade';
export { containsPhrase, textTokens } from './text';
export {
  isKeywordRefusal,
  matchedRefusalKeyword,
  REFUSAL_KEYWORDS,
  refusalKeywordsJudge,
} from './refusalKeywords';
export { cohensKappa, describeKappa, type Agreement } from './agreement';
