"""The shopper's membership: joining the club, proving a membership, the member's own pages.

The pages (:mod:`.views`) hand the flows plain values (a :class:`~.profile.Profile` built by
the form, the request for the session) and a :class:`~.service.MemberService` (the store),
and get Diller's answers or one of :mod:`.errors` back; Diller's own errors
(``DillerUnavailable``, ``DillerValidationError``…) pass through for the view to show.

* :mod:`.join`: the join page's flow (a code to a member's phone, Diller's link to a new one);
* :mod:`.code_link` and :mod:`.pending`: the one-time code and the pending link it proves;
* :mod:`.activation`: finishing a membership from the link Diller texted;
* :mod:`.membership` and :mod:`.overview`: a linked member's edits, leaving, "my loyalty";
* :mod:`.profile`, :mod:`.updates`, :mod:`.consents`, :mod:`.links`, :mod:`.quotas`: the
  values, writes, consent trail, account links and limits those flows share;
* :mod:`.club`: what the club pages show, through caches.

Security rules kept in the flows, so that no view can forget them:

* A member id never comes from the browser. Linking a member needs proof that the shopper
  owns the member's phone: a one-time code texted to it (the pending link, with the member id,
  expiry and tries, lives in the server-side session), or the activation link Diller texted
  to it.
* Nothing creates a member, or announces a membership, for a phone whose owner has not
  proven it. A phone that is not a member is *enrolled* (:func:`.join.start_join`): Diller
  keeps a record with no consents and texts the phone a link to finish joining; the typed
  profile and the ticked consents wait in a :class:`~django_diller.models.JoinInvitation`
  and reach Diller only when the phone's owner finishes, from that link
  (:func:`.activation.complete_activation`). Someone typing another person's number gets
  neither a membership nor a welcome in their name: the stranger gets an invitation they may
  ignore.
* The join page answers the same way whether the phone (or e-mail) belongs to a member, to a
  member linked to another account, or to nobody: one SMS is sent (a code or the link) after
  the same Diller calls, and the page says "we have sent an SMS". That a membership is linked
  to another account is said only after the code proved the phone.
* Sending codes and links, wrong codes and unknown activation tokens are rate limited in a
  shared cache with atomic counters (:mod:`.limits`, :mod:`.quotas`), per phone and per
  client address, so the pages can't be used to flood a phone, guess codes or tokens, or
  probe many numbers, not even with parallel requests.
* An activation token finishes one membership: a token that linked an account never links
  another (:class:`~django_diller.models.UsedActivationToken`).
* The consent audit trail (:class:`~django_diller.models.ConsentRecord`) holds what the
  shopper chose on the page (``loyalty page``, ``activation link``) and, apart, the consents
  Diller already had for a member the shop links (``as Diller had it``).
* Every update of a member is a read-modify-write (:func:`.updates.write_member`): the PUT
  carries the member as just read, with only the intended changes, and always the complete
  consent object. The contract lets a server treat a PUT as a replace, and a request leaving
  out ``gdpr_accepted`` would then end the member's membership.
"""
