-- The picture a HELLO carried (image bytes, at most MAX_AVATAR_BYTES), shown
-- in the review dialog; NULL when none came.
ALTER TABLE invitations ADD COLUMN avatar BLOB;
