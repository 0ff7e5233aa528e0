{{%AUTOESCAPE context="HTML"}}
{{>LAYOUT_TOP}}
{{! The button bar sits at the top of the record: Save, and the actions on
    this person that the signed-in person may use. }}
<div class="button-bar" role="toolbar" aria-label="Record actions">
  <button type="submit" form="person-form" class="primary">Save</button>
  {{#CAN_CREATE_TOKEN}}
  <form method="post" action="/createBearerToken" class="inline" id="create-token-form">
    <input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
    <input type="hidden" name="person_id" value="{{PERSON_ID}}">
    <button type="submit" id="create-token-button">Create Bearer Token</button>
  </form>
  {{/CAN_CREATE_TOKEN}}
  <a class="button" href="/people">Back to People</a>
</div>
<p class="error" role="alert" id="token-error" hidden></p>
<h1>{{HEADING}}</h1>
{{#SAVED}}<p class="notice" role="status">Saved.</p>{{/SAVED}}
{{#TOKEN_REVOKED}}<p class="notice" role="status">The bearer token was revoked. Tools using it can no longer sign in.</p>{{/TOKEN_REVOKED}}
{{#HAS_ERRORS}}<p class="error" role="alert">Please correct the fields marked below.</p>{{/HAS_ERRORS}}
<form method="post" action="{{FORM_ACTION}}" id="person-form" class="record" novalidate>
  <input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
  <div class="field">
    <label for="first_name">First name</label>
    <input id="first_name" name="first_name" value="{{FIRST_NAME}}" maxlength="100"{{#INVALID_FIRST_NAME}} aria-invalid="true" aria-describedby="first_name-error"{{/INVALID_FIRST_NAME}}>
    {{#ERROR_FIRST_NAME}}<p class="field-error" id="first_name-error">{{MESSAGE}}</p>{{/ERROR_FIRST_NAME}}
  </div>
  <div class="field">
    <label for="last_name">Last name</label>
    <input id="last_name" name="last_name" value="{{LAST_NAME}}" maxlength="100"{{#INVALID_LAST_NAME}} aria-invalid="true" aria-describedby="last_name-error"{{/INVALID_LAST_NAME}}>
    {{#ERROR_LAST_NAME}}<p class="field-error" id="last_name-error">{{MESSAGE}}</p>{{/ERROR_LAST_NAME}}
  </div>
  <div class="field">
    <label for="email">Email</label>
    <input id="email" name="email" type="email" value="{{EMAIL}}" maxlength="254"{{#INVALID_EMAIL}} aria-invalid="true" aria-describedby="email-error"{{/INVALID_EMAIL}}>
    {{#ERROR_EMAIL}}<p class="field-error" id="email-error">{{MESSAGE}}</p>{{/ERROR_EMAIL}}
  </div>
  <div class="field">
    <label for="username">Username</label>
    <input id="username" name="username" value="{{USERNAME}}" maxlength="64" autocomplete="off"{{#INVALID_USERNAME}} aria-invalid="true" aria-describedby="username-error"{{/INVALID_USERNAME}}>
    {{#ERROR_USERNAME}}<p class="field-error" id="username-error">{{MESSAGE}}</p>{{/ERROR_USERNAME}}
  </div>
  <div class="field">
    <label for="access">Access</label>
    <select id="access" name="access"{{#INVALID_ACCESS}} aria-invalid="true" aria-describedby="access-error"{{/INVALID_ACCESS}}>
      {{#ACCESS_OPTION}}<option value="{{VALUE}}"{{#SELECTED}} selected{{/SELECTED}}>{{LABEL}}</option>{{/ACCESS_OPTION}}
    </select>
    {{#ERROR_ACCESS}}<p class="field-error" id="access-error">{{MESSAGE}}</p>{{/ERROR_ACCESS}}
  </div>
  <div class="field checkbox">
    <input id="active" name="active" type="checkbox" value="1"{{#ACTIVE_CHECKED}} checked{{/ACTIVE_CHECKED}}{{#INVALID_ACTIVE}} aria-invalid="true" aria-describedby="active-error"{{/INVALID_ACTIVE}}>
    <label for="active">Active</label>
    {{#ERROR_ACTIVE}}<p class="field-error" id="active-error">{{MESSAGE}}</p>{{/ERROR_ACTIVE}}
  </div>
  {{#PASSWORD_EDITABLE}}
  <div class="field">
    <label for="password">New password <span class="hint">(leave empty to keep the current one; at least 12 characters)</span></label>
    <input id="password" name="password" type="password" autocomplete="new-password" maxlength="1024"{{#INVALID_PASSWORD}} aria-invalid="true" aria-describedby="password-error"{{/INVALID_PASSWORD}}>
    {{#ERROR_PASSWORD}}<p class="field-error" id="password-error">{{MESSAGE}}</p>{{/ERROR_PASSWORD}}
  </div>
  {{/PASSWORD_EDITABLE}}
  {{#PASSWORD_LOCKED}}<p class="hint">Only an Admin can change an Admin's password.</p>{{/PASSWORD_LOCKED}}
</form>
{{#RECORD}}
<dl class="meta">
  <dt>Record</dt><dd>#{{ID}}</dd>
  <dt>Created</dt><dd>{{CREATED_AT}} UTC</dd>
  <dt>Updated</dt><dd>{{UPDATED_AT}} UTC</dd>
  <dt>Password</dt><dd>{{PASSWORD_STATE}}</dd>
</dl>
{{/RECORD}}
{{#TOKEN_SECTION}}
<section class="token" aria-labelledby="token-heading">
  <h2 id="token-heading">Bearer token</h2>
  <p id="token-none"{{#TOKEN_EXISTS}} hidden{{/TOKEN_EXISTS}}>No bearer token.</p>
  <dl id="token-details" class="meta"{{#NO_TOKEN}} hidden{{/NO_TOKEN}}>
    <dt>Status</dt><dd id="token-state">{{TOKEN_STATE}}</dd>
    <dt>Token</dt><dd><code id="token-hint">{{TOKEN_HINT}}</code></dd>
    <dt>Created</dt><dd id="token-created">{{TOKEN_CREATED}}</dd>
    <dt>Expires</dt><dd id="token-expires-at">{{TOKEN_EXPIRES}}</dd>
    <dt>Last used</dt><dd id="token-last-used">{{TOKEN_LAST_USED}}</dd>
  </dl>
  {{#CAN_REVOKE}}
  <form method="post" action="/revokeBearerToken" id="revoke-token-form"{{#NO_TOKEN}} hidden{{/NO_TOKEN}}>
    <input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
    <input type="hidden" name="person_id" value="{{PERSON_ID}}">
    <button type="submit" class="danger">Revoke</button>
  </form>
  {{/CAN_REVOKE}}
  {{#HAS_TOKEN_EVENTS}}
  <h3>Token history</h3>
  <table class="events">
    <thead><tr><th scope="col">When</th><th scope="col">What</th><th scope="col">Token</th><th scope="col">By</th><th scope="col">From</th></tr></thead>
    <tbody>
    {{#TOKEN_EVENT}}<tr><td>{{WHEN}}</td><td>{{WHAT}}</td><td><code>{{HINT}}</code></td><td>{{BY}}</td><td>{{ADDRESS}}</td></tr>{{/TOKEN_EVENT}}
    </tbody>
  </table>
  {{/HAS_TOKEN_EVENTS}}
</section>
{{/TOKEN_SECTION}}
{{#CAN_CREATE_TOKEN}}
<dialog id="token-dialog" role="dialog" aria-modal="true" aria-labelledby="token-dialog-title" aria-describedby="token-dialog-once">
  <h2 id="token-dialog-title">Your new bearer token</h2>
  <label for="token-value">Token</label>
  <div class="token-row">
    <input id="token-value" class="token-value" readonly spellcheck="false" autocomplete="off">
    <button type="button" id="token-copy">Copy</button>
  </div>
  <p id="token-copied" class="hint" role="status"></p>
  <p>Expires: <strong id="token-expires"></strong></p>
  <p id="token-dialog-once" class="warning">This is the only time the full token will be shown — it cannot be retrieved again. If you lose it, simply create a new one by clicking the button again.</p>
  <p id="token-replaced" class="warning" hidden>Creating a new token replaces the previous one. Any tool using the old token will stop working and will need to be updated with the new token.</p>
  <p><button type="button" id="token-close" class="primary">Close</button></p>
</dialog>
<script src="/static/token-dialog.js" defer></script>
{{/CAN_CREATE_TOKEN}}
{{>LAYOUT_BOTTOM}}
