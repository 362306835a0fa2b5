-- zjtx schema, version 3: reason templates (常用审核意见) a reviewer picks from when passing,
-- returning or rejecting an item. A province (or 计划单列市) keeps its own list per action; an
-- authority without its own list for an action gets the defaults (authority_code = '').
-- Province admins edit their lists; reviewers read them. The text sent to the enterprise is what
-- the reviewer finally submits (a template is only a starting point).

CREATE TABLE reason_templates (
    id              TEXT PRIMARY KEY,
    authority_code  TEXT NOT NULL,               -- '' = the defaults for every authority
    action          TEXT NOT NULL,               -- 'pass', 'return' or 'reject'
    position        BIGINT NOT NULL,             -- order within the authority's list
    text_zh         TEXT NOT NULL,
    text_en         TEXT NOT NULL,
    updated_by      TEXT,                        -- account id of the last editor (NULL: seeded)
    updated_at      BIGINT NOT NULL,
    version         BIGINT NOT NULL DEFAULT 1
);
CREATE INDEX reason_templates_list ON reason_templates (authority_code, action, position);

INSERT INTO reason_templates (id, authority_code, action, position, text_zh, text_en, updated_at)
VALUES
    ('default-pass-1', '', 'pass', 1,
     '材料齐全，符合申报条件，同意推荐。',
     'The materials are complete and the conditions are met; recommended.', 0),
    ('default-pass-2', '', 'pass', 2,
     '经审核，各项指标符合要求，同意通过。',
     'Reviewed: every indicator meets the requirements; approved.', 0),
    ('default-return-1', '', 'return', 1,
     '证明材料不完整，请补充上传相关证明材料后重新提交。',
     'The evidence is incomplete; upload the missing documents and submit again.', 0),
    ('default-return-2', '', 'return', 2,
     '财务数据与审计报告不一致，请核对后重新提交。',
     'The financial figures do not match the audit report; check them and submit again.', 0),
    ('default-return-3', '', 'return', 3,
     '企业基本信息有误或不完整，请更正后重新提交。',
     'The basic information is wrong or incomplete; correct it and submit again.', 0),
    ('default-reject-1', '', 'reject', 1,
     '经审核，企业不满足申报条件。',
     'Reviewed: the enterprise does not meet the conditions of the tier.', 0),
    ('default-reject-2', '', 'reject', 2,
     '经核实，申报材料存在不实信息。',
     'Verified: the declaration contains untrue information.', 0);
