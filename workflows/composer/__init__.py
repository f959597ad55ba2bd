"""The teachers' composer: one screen to write a post, add photos, videos and audio, tag
the pupils in each photo, check it, and submit it to the school's moderation workflow."""
