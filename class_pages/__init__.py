"""The content and the people it is about: school and class pages, posts, the pupil
register, carers' access to classes, consent records and private media."""
