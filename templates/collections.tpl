{{%AUTOESCAPE context="HTML"}}
{{>LAYOUT_TOP}}
<h1>Collections</h1>
{{#HAS_NOTICE}}<p class="notice" role="status">{{NOTICE}}</p>{{/HAS_NOTICE}}
{{#HAS_ERROR}}<p class="error" role="alert">{{ERROR}}</p>{{/HAS_ERROR}}
{{#CAN_UPLOAD}}
<section class="upload" aria-labelledby="upload-heading">
  <h2 id="upload-heading">Install a collection</h2>
  <form method="post" action="/collections/upload" enctype="multipart/form-data" id="upload-form">
    {{! csrf_token stays before the file: the program checks it when the file part begins (cgi-bin/collections.cc) }}
    <input type="hidden" name="csrf_token" value="{{CSRF_TOKEN}}">
    <label for="collectionFile">Collection file (.zip)</label>
    <input type="file" id="collectionFile" name="collectionFile" accept=".zip,application/zip" required>
    <button type="submit" class="primary" id="upload-button">Install</button>
    <progress id="upload-progress" max="100" value="0" hidden></progress>
    <p id="upload-status" role="status" class="hint"></p>
  </form>
  <p class="hint">Build servers use <code>curl -X POST …/installCollection -H "Authorization: Bearer &lt;token&gt;" -F "collectionFile=@myCollection.zip"</code>.</p>
</section>
<script src="/static/collections-upload.js" defer></script>
{{/CAN_UPLOAD}}
<h2>Installed</h2>
{{#NO_COLLECTIONS}}<p class="empty">No collections are installed.</p>{{/NO_COLLECTIONS}}
<table class="people collections">
<thead><tr><th scope="col">Name</th><th scope="col">Guid</th><th scope="col">Installed by</th><th scope="col">When</th><th scope="col">Version</th><th scope="col">Files</th><th scope="col">Size</th></tr></thead>
<tbody>
{{#COLLECTION}}<tr><td><a href="/collections?guid={{GUID:u}}">{{NAME}}</a>{{#NOT_UPDATABLE}} <span class="badge">not updatable</span>{{/NOT_UPDATABLE}}</td><td><code>{{GUID}}</code></td><td>{{INSTALLED_BY}}</td><td>{{INSTALLED_AT}}</td><td>{{VERSION}}</td><td>{{FILES}}</td><td>{{SIZE}}</td></tr>
{{/COLLECTION}}
</tbody>
</table>
<h2>Install history{{#ONE_COLLECTION}} of <code>{{GUID}}</code> <a href="/collections">(all)</a>{{/ONE_COLLECTION}}</h2>
{{#NO_ATTEMPTS}}<p class="empty">No installs yet.</p>{{/NO_ATTEMPTS}}
<table class="events history">
<thead><tr><th scope="col">When</th><th scope="col">Collection</th><th scope="col">By</th><th scope="col">From</th><th scope="col">Result</th><th scope="col">Reason</th><th scope="col">Archive SHA-256</th></tr></thead>
<tbody>
{{#ATTEMPT}}<tr><td>{{WHEN}}</td><td>{{NAME}}</td><td>{{BY}}</td><td>{{FROM}}</td><td>{{RESULT}} ({{STATUS}})</td><td>{{REASON}}</td><td><code>{{SHA}}</code></td></tr>
{{/ATTEMPT}}
</tbody>
</table>
{{>LAYOUT_BOTTOM}}
