{{%AUTOESCAPE context="HTML"}}
{{>LAYOUT_TOP}}
{{! The button bar sits at the top of the record: Save, and the actions on
    this person that the signed-in person may use. }}
<div class="button-bar" role="toolbar" aria-label="Record actions">
  <button type="submit" form="person-form" class="primary">Save</button>
  <a class="button" href="/people">Back to People</a>
</div>
<h1>{{HEADING}}</h1>
{{#SAVED}}<p class="notice" role="status">Saved.</p>{{/SAVED}}
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
{{>LAYOUT_BOTTOM}}
