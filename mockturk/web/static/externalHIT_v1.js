// mockturk's stand-in for MTurk's externalHIT_v1.js, which HTMLQuestion pages load: it fills
// the form's assignmentId, points the form at turkSubmitTo's externalSubmit, and in preview
// disables the submit button.
function turkGetParam(name, fallback) {
  var value = new URLSearchParams(window.location.search).get(name);
  return value === null ? fallback : value;
}

function turkSetAssignmentID() {
  var assignmentId = turkGetParam("assignmentId", "");
  var field = document.getElementById("assignmentId");
  if (field) {
    field.value = assignmentId;
  }
  var button = document.getElementById("submitButton");
  if (assignmentId === "ASSIGNMENT_ID_NOT_AVAILABLE" && button) {
    button.disabled = true;
    button.value = "You must ACCEPT the HIT before you can submit the results.";
  }
  var form = document.getElementById("mturk_form");
  var submitTo = turkGetParam("turkSubmitTo", "");
  if (form && submitTo) {
    form.action = submitTo + "/mturk/externalSubmit";
  }
}
