-- Credentials stored before 0003 were all marked not self-issued. Mark those whose issuer is
-- their own recipient (the subject's identity, or an identity of the person they are filed
-- under); re-verification decides it again for every badge from its content.
UPDATE credentials SET self_issued = true
WHERE issuer_id IS NOT NULL
  AND (issuer_id = recipient_identity
       OR split_part(issuer_id, '#', 1) = split_part(coalesce(recipient_identity, ''), '#', 1)
       OR issuer_id IN (SELECT i.value FROM identities i WHERE i.person_id = credentials.person_id));
